# Turns a helper script into a C++ raw string (function FUNCTION in torwart::lab), so that `torwart lab` carries
# what it runs in the namespaces and needs no source tree.
file(READ ${INPUT} content)
file(WRITE ${OUTPUT} "#include <string_view>\nnamespace torwart::lab {\nstd::string_view ${FUNCTION}() {\n  return R\"torwart_script(${content})torwart_script\";\n}\n}  // namespace torwart::lab\n")
