# Copies one third-party browser file from node_modules into web/vendor (run with cmake -P):
#   cmake -DSOURCE=<file in node_modules> -DDESTINATION=<file in web/vendor> -DPACKAGE=<npm name> -P vendor-file.cmake
# A missing source means `npm ci` has not been run: say so in one line and fail the build.
if(NOT EXISTS "${SOURCE}")
  message(FATAL_ERROR "${SOURCE} is missing: the npm package `${PACKAGE}` is not installed. "
                      "Run `npm ci` in the repository root (or scripts/install-deps), then build again.")
endif()
get_filename_component(directory "${DESTINATION}" DIRECTORY)
file(MAKE_DIRECTORY "${directory}")
file(COPY_FILE "${SOURCE}" "${DESTINATION}" ONLY_IF_DIFFERENT)
