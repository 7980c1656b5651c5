# Turns the default YAML into a C++ raw string so that the binary carries its own default.
file(READ ${INPUT} content)
file(WRITE ${OUTPUT} "#include <string_view>\nnamespace torwart::config {\nstd::string_view default_config_text() {\n  return R\"torwart_yaml(${content})torwart_yaml\";\n}\n}  // namespace torwart::config\n")
