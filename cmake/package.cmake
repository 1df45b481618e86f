# Installation (`cmake --install build [--prefix DIR]`) and the Debian package (`make package`, CPack).
#
# FHS layout under the prefix (/usr for the package, /usr/local by default for `cmake --install`):
#   bin/guest-portal                       the server and its command line (migrations compiled in)
#   share/guest-portal/web/                pages, CSS, scripts and the vendored Webex SDK (WEB_ROOT's
#                                          default is ../share/guest-portal/web beside the binary)
#   share/guest-portal/migrations/         the .sql files the binary carries, for operators to read
#   share/doc/guest-portal/                README, docs/*.md, copyright, the multi-instance examples
#   lib/systemd/system/guest-portal.service  the single-instance unit (hardened)
#   /etc/guest-portal/env.example          a start for /etc/guest-portal/env (<prefix>/etc/... unless
#                                          the prefix is /usr)
# Only the server is installed: not the emulator, the tests or the benchmarks.
# The docs folder is named after the package, not the CMake project.
set(CMAKE_INSTALL_DOCDIR share/doc/guest-portal)
include(GNUInstallDirs)
# Installing (and so cpack) takes the build as it is instead of building every target first: the package
# needs only guest-portal and web_vendor, which `make package` and the package test build beforehand.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

if(TARGET guest-portal)
  install(TARGETS guest-portal RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# web/vendor is made by the build (web_vendor); `make package` builds first.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/web/ DESTINATION ${CMAKE_INSTALL_DATADIR}/guest-portal/web
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/migrations/ DESTINATION ${CMAKE_INSTALL_DATADIR}/guest-portal/migrations
        FILES_MATCHING PATTERN "*.sql")
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/deploy/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/deploy/systemd ${CMAKE_SOURCE_DIR}/deploy/nginx
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The unit names the installed binary and settings, so it is written at install time, when the final
# prefix is known (CPack installs with CMAKE_INSTALL_PREFIX=/usr and DESTDIR set to its staging tree).
install(CODE "
  set(GP_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  if(GP_PREFIX STREQUAL \"/usr\")
    set(GP_SYSCONFDIR /etc/guest-portal)
  else()
    set(GP_SYSCONFDIR \"\${GP_PREFIX}/etc/guest-portal\")
  endif()
  set(GP_BINDIR \"\${GP_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(GP_DOCDIR \"\${GP_PREFIX}/${CMAKE_INSTALL_DOCDIR}\")
  set(GP_UNIT \"\$ENV{DESTDIR}\${GP_PREFIX}/lib/systemd/system/guest-portal.service\")
  message(STATUS \"Installing: \${GP_UNIT}\")
  configure_file(\"${CMAKE_SOURCE_DIR}/deploy/debian/guest-portal.service.in\" \"\${GP_UNIT}\" @ONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  file(INSTALL \"${CMAKE_SOURCE_DIR}/deploy/debian/env.example\" DESTINATION \"\${GP_SYSCONFDIR}\"
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME guest-portal)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Guest Portal maintainers <maintainers@guest-portal.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Webex messaging and meetings for people without a Webex account")
set(CPACK_PACKAGE_DESCRIPTION
    "A self-hosted web portal where guests (patients, clients, students) message and meet with the people
an administrator allows, over the organisation's Webex. Installs the guest-portal server, its web UI and a
hardened systemd unit that starts once /etc/guest-portal/env is written.")
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The server only: the emulator, tests and benchmarks have no install rules.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps finds the runtime libraries; adduser and init-system-helpers run in postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.54~)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/deploy/debian/postinst ${CMAKE_SOURCE_DIR}/deploy/debian/prerm
    ${CMAKE_SOURCE_DIR}/deploy/debian/postrm ${CMAKE_SOURCE_DIR}/deploy/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
