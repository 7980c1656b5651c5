# Turns the OpenAPI document into a C++ raw string so that torwartd serves exactly the committed file.
file(READ ${INPUT} content)
file(WRITE ${OUTPUT} "#include <string_view>\nnamespace torwart::controlplane::api {\nstd::string_view openapi_document() {\n  return R\"torwart_openapi(${content})torwart_openapi\";\n}\n}  // namespace torwart::controlplane::api\n")
