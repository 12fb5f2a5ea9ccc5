# Writes OUTPUT, a C++ file that defines `kBuiltinDatabaseText` (the content of INPUT) and
# `kBuiltinDatabaseName`, so that the builtin database needs no file at run time.
file(READ "${INPUT}" content)
file(WRITE "${OUTPUT}" "// Generated from ${NAME} by models/thermo/embed_text.cmake. Do not edit.\n"
  "namespace calcikin::thermo {\n"
  "extern const char* const kBuiltinDatabaseText;\n"
  "extern const char* const kBuiltinDatabaseName;\n"
  "const char* const kBuiltinDatabaseText = R\"calcikin_yaml(")
file(APPEND "${OUTPUT}" "${content}")
file(APPEND "${OUTPUT}" ")calcikin_yaml\";\n"
  "const char* const kBuiltinDatabaseName = \"${NAME}\";\n"
  "}  // namespace calcikin::thermo\n")
