# systemd integration of the dialer: READY=1 for Type=notify units (src/app/systemd_notify.cpp).
# libsystemd is optional: with it sd_notify does the work; without it (a static or cross build,
# a board without systemd) the same datagram is sent by our own few lines of the documented
# protocol, so ec20ppp@.service works either way. Off by default: linking libsystemd maps it and
# what Debian builds it with (liblzma, libzstd, liblz4, libgcrypt, libgpg-error, libcap) into
# every dial, about 1 MB of resident memory for one datagram (docs/performance.md, footprint).
# EC20PPP_SYSTEMD=ON uses sd_notify when libsystemd is found (scripts/test.sh's sanitizer build
# does, so both senders stay tested).
option(EC20PPP_SYSTEMD "Use libsystemd's sd_notify when libsystemd is found (under EC20PPP_STATIC: when libsystemd.a is)" OFF)
add_library(ec20ppp_systemd_notify STATIC ${PROJECT_SOURCE_DIR}/src/app/systemd_notify.cpp)
target_include_directories(ec20ppp_systemd_notify PUBLIC ${PROJECT_SOURCE_DIR}/src)
set(EC20PPP_HAVE_SYSTEMD OFF)
if(EC20PPP_SYSTEMD)
  ec20ppp_pkg_dependency(SYSTEMD libsystemd OPTIONAL)
  if(SYSTEMD_FOUND)
    set(EC20PPP_HAVE_SYSTEMD ON)
    target_compile_definitions(ec20ppp_systemd_notify PRIVATE EC20PPP_HAVE_SYSTEMD)
    target_link_libraries(ec20ppp_systemd_notify PRIVATE PkgConfig::SYSTEMD)
  endif()
endif()
message(STATUS "sd_notify: ${EC20PPP_HAVE_SYSTEMD} (OFF: ec20ppp's own NOTIFY_SOCKET sender)")
target_link_libraries(ec20ppp_app PRIVATE ec20ppp_systemd_notify)
