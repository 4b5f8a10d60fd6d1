# `cmake --install` and `cpack -G DEB`: what goes on a board besides the binary
# (src/app/CMakeLists.txt installs ec20ppp itself into sbin).
#   man page          share/man/man8/ec20ppp.8.gz         (docs/man/ec20ppp.8, gzipped as Debian does)
#   bash completion   share/bash-completion/completions/ec20ppp
#   udev rules        lib/udev/rules.d/60-ec20ppp.rules   (/dev/ec20-at, /dev/ec20-modem)
#   systemd unit      lib/systemd/system/ec20ppp@.service (one instance per /etc/ec20ppp/NAME.conf)
#   example config    share/doc/ec20ppp/examples/example.conf
# Paths are relative to CMAKE_INSTALL_PREFIX (the package's is /usr, where udev and systemd read
# lib/udev and lib/systemd on Debian's merged /usr).
include(GNUInstallDirs)

find_program(EC20PPP_GZIP gzip REQUIRED)
set(_man ${CMAKE_CURRENT_BINARY_DIR}/ec20ppp.8.gz)
add_custom_command(OUTPUT ${_man}
  COMMAND ${EC20PPP_GZIP} -9 -n -c ${PROJECT_SOURCE_DIR}/docs/man/ec20ppp.8 > ${_man}
  DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/ec20ppp.8
  COMMENT "gzip ec20ppp.8")
add_custom_target(ec20ppp_man ALL DEPENDS ${_man})
install(FILES ${_man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)

install(FILES ${PROJECT_SOURCE_DIR}/packaging/ec20ppp.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ec20ppp)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/60-ec20ppp.rules DESTINATION lib/udev/rules.d)
# The unit names the binary by its installed path, which is known only when installing
# (`cmake --install --prefix`, CPack's /usr): made then, from the prefix of that install.
install(CODE "
  set(CMAKE_INSTALL_FULL_SBINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SBINDIR}\")
  set(CMAKE_INSTALL_FULL_DOCDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\")
  configure_file(\"${PROJECT_SOURCE_DIR}/packaging/ec20ppp@.service.in\" \"${CMAKE_CURRENT_BINARY_DIR}/unit/ec20ppp@.service\" @ONLY)
  file(INSTALL \"${CMAKE_CURRENT_BINARY_DIR}/unit/ec20ppp@.service\" DESTINATION \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
")
if(EXISTS ${PROJECT_SOURCE_DIR}/docs/example.conf)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/example.conf DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The .deb. Depends is computed by dpkg-shlibdeps from the libraries the binary links.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ec20ppp)
set(CPACK_PACKAGE_VENDOR "ec20ppp")
set(CPACK_PACKAGE_CONTACT "ec20ppp maintainers <root@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "PPP dialer for Quectel EC20-class LTE modems (replaces pppd + chat)")
# The long description (the summary is its first line; CPack indents each line itself).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "ec20ppp dials a Quectel EC20-class LTE modem (USB 2c7c:0125) over PPP without pppd, chat\nor a kernel built with CONFIG_PPP: AT chat, PPP (LCP, CHAP/PAP, IPCP with DNS, IPV6CP), IP\nthrough a TUN device, addresses, routes and DNS over rtnetlink, all undone on exit. With a\nman page, bash completion, udev rules naming the modem's ports and a systemd unit per\nconfiguration.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
if(EC20PPP_PCAP_DLOPEN)
  # libpcap is loaded for --pcap only, so dpkg-shlibdeps does not see it: recommend it instead.
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "udev, libpcap0.8")
else()
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "udev")
endif()
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "systemd")
if(CMAKE_CROSSCOMPILING AND EC20PPP_DEB_ARCH)
  # dpkg-shlibdeps reads the dpkg database, which does not know a sysroot's libraries: name the
  # target's architecture and leave Depends to whoever installs it there.
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${EC20PPP_DEB_ARCH})
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
endif()
include(CPack)
