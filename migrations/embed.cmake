# Compiles migrations/<engine>/NNNN_name.sql into a C++ source defining gp::storage::EmbeddedMigrations(),
# so an installed binary carries its schema and cannot run against SQL files from another version.
#
# Included from CMakeLists.txt it defines gp_embed_migrations(<out_var>); run with `cmake -P` (as the
# build step it adds does) it writes the source: -DGP_MIGRATIONS_DIR=... -DGP_MIGRATIONS_OUT=...

if(CMAKE_SCRIPT_MODE_FILE)
  file(GLOB engines RELATIVE ${GP_MIGRATIONS_DIR} ${GP_MIGRATIONS_DIR}/*)
  list(SORT engines)
  set(body "")
  foreach(engine IN LISTS engines)
    if(NOT IS_DIRECTORY ${GP_MIGRATIONS_DIR}/${engine})
      continue()
    endif()
    file(GLOB files RELATIVE ${GP_MIGRATIONS_DIR}/${engine} ${GP_MIGRATIONS_DIR}/${engine}/*.sql)
    list(SORT files)
    string(APPEND body "  if (engine == \"${engine}\") {\n    return {\n")
    foreach(file IN LISTS files)
      if(NOT file MATCHES "^([0-9]+)_([a-z0-9_]+)\\.sql$")
        message(FATAL_ERROR "migration ${engine}/${file}: expected a name like 0001_initial.sql")
      endif()
      set(name ${CMAKE_MATCH_2})
      math(EXPR version "${CMAKE_MATCH_1} + 0")
      file(READ ${GP_MIGRATIONS_DIR}/${engine}/${file} sql)
      if(sql MATCHES "\\)gp_sql\"")
        message(FATAL_ERROR "migration ${engine}/${file} contains the raw string delimiter )gp_sql\"")
      endif()
      string(APPEND body "        {${version}, \"${name}\", R\"gp_sql(${sql})gp_sql\"},\n")
    endforeach()
    string(APPEND body "    };\n  }\n")
  endforeach()
  set(source "// Generated from migrations/ by migrations/embed.cmake. Do not edit.\n")
  string(APPEND source "#include \"storage/migrations.hpp\"\n\nnamespace gp::storage {\n\n")
  string(APPEND source "std::vector<Migration> EmbeddedMigrations(std::string_view engine) {\n")
  string(APPEND source "${body}  return {};\n}\n\n}  // namespace gp::storage\n")
  file(WRITE ${GP_MIGRATIONS_OUT} "${source}")
  return()
endif()

set(GP_MIGRATIONS_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_FILE})

function(gp_embed_migrations out_var)
  set(dir ${CMAKE_SOURCE_DIR}/migrations)
  set(out ${CMAKE_BINARY_DIR}/generated/embedded_migrations.cpp)
  file(GLOB_RECURSE sql_files CONFIGURE_DEPENDS ${dir}/*.sql)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DGP_MIGRATIONS_DIR=${dir} -DGP_MIGRATIONS_OUT=${out} -P ${GP_MIGRATIONS_EMBED_SCRIPT}
    DEPENDS ${sql_files} ${GP_MIGRATIONS_EMBED_SCRIPT}
    COMMENT "Embedding database migrations"
    VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
