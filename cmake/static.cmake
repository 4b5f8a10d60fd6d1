# EC20PPP_STATIC: how much of what ec20ppp depends on goes into the binary itself.
#
#   OFF   (default) every library shared, as Debian packages them.
#   ON    a fully static binary (-static): no dynamic loader, no libc of the board's used, for boards
#         with an old or odd libc. Needs a static archive (lib*.a) of every library, including the
#         ones those pull in (pkg-config --static); configuring stops with the list of archives
#         that are missing and where they come from.
#   libs  every library whose archives are all there is linked statically (libstdc++, libgcc,
#         libcrypto, ...), the rest and the C library stay shared: a binary that needs no C++
#         runtime or OpenSSL on the board and maps far less at run time (docs/performance.md).
#
# Debian 12 ships libcrypto.a, libpcap.a and libdbus-1.a but no libmnl.a, liblwip.a or
# libsystemd.a, so ON works with a Buildroot/Yocto/OpenWrt sysroot (they build static archives
# on request) or with those libraries built statically into a prefix given in CMAKE_PREFIX_PATH;
# on a plain Debian 12 `libs` is as far as it goes.
#
# Dependencies found with pkg-config go through ec20ppp_pkg_dependency() below instead of
# pkg_check_modules() so the choice is made in one place.
set(EC20PPP_STATIC OFF CACHE STRING "Link dependencies statically: OFF, ON (fully static binary) or libs (every library that has static archives)")
set_property(CACHE EC20PPP_STATIC PROPERTY STRINGS OFF ON libs)
string(TOUPPER "${EC20PPP_STATIC}" _ec20ppp_static)
if(_ec20ppp_static STREQUAL "OFF" OR _ec20ppp_static STREQUAL "FALSE" OR _ec20ppp_static STREQUAL "NO" OR _ec20ppp_static STREQUAL "0")
  set(EC20PPP_STATIC_MODE OFF)
elseif(_ec20ppp_static STREQUAL "ON" OR _ec20ppp_static STREQUAL "TRUE" OR _ec20ppp_static STREQUAL "YES" OR _ec20ppp_static STREQUAL "1")
  set(EC20PPP_STATIC_MODE ON)
elseif(_ec20ppp_static STREQUAL "LIBS")
  set(EC20PPP_STATIC_MODE libs)
else()
  message(FATAL_ERROR "EC20PPP_STATIC=${EC20PPP_STATIC} is not a choice: use OFF (shared libraries), "
                      "ON (a fully static binary) or libs (static libraries where they exist, shared libc)")
endif()
set_property(GLOBAL PROPERTY EC20PPP_STATIC_MISSING "")

if(EC20PPP_STATIC_MODE STREQUAL "ON")
  if(EC20PPP_SANITIZE)
    message(FATAL_ERROR "EC20PPP_STATIC=ON and EC20PPP_SANITIZE=ON do not go together: the sanitizers' runtimes are shared libraries; build the static binary without sanitizers")
  endif()
  # find_library() and FindOpenSSL look for archives only from here on.
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
  set(OPENSSL_USE_STATIC_LIBS TRUE)
  add_link_options(-static)
elseif(EC20PPP_STATIC_MODE STREQUAL "libs")
  set(OPENSSL_USE_STATIC_LIBS TRUE)
  # --as-needed: g++ names libm for libstdc++'s sake; linked statically, libstdc++ needs it only
  # for what we call of it, and a NEEDED entry nothing uses still costs a mapping at start-up.
  add_link_options(-static-libstdc++ -static-libgcc -Wl,--as-needed)
endif()

# Parts of the C library (and of its static form) that pkg-config files name: always -l flags.
set(_ec20ppp_libc_parts c m dl rt pthread resolv util)

# ec20ppp_pkg_dependency(<PREFIX> <module>): pkg_check_modules(<PREFIX> REQUIRED IMPORTED_TARGET
# GLOBAL <module>), linked as PkgConfig::<PREFIX>. Under EC20PPP_STATIC the target is pointed at
# the module's static archives (its Libs and Libs.private, and those of its Requires.private); with
# ON a missing archive is recorded for ec20ppp_static_report(), with libs the module stays shared.
# OPTIONAL: a module that is not found is no error (<PREFIX>_FOUND says), and under ON or libs one
# without all its archives is dropped (<PREFIX>_FOUND becomes false) rather than linked shared.
function(ec20ppp_pkg_dependency prefix module)
  cmake_parse_arguments(PARSE_ARGV 2 arg "OPTIONAL" "" "")
  if(arg_OPTIONAL)
    pkg_check_modules(${prefix} IMPORTED_TARGET GLOBAL ${module})
  else()
    pkg_check_modules(${prefix} REQUIRED IMPORTED_TARGET GLOBAL ${module})
  endif()
  # pkg_check_modules() set these in this function's scope; the caller reads them.
  foreach(var FOUND INCLUDE_DIRS VERSION)
    set(${prefix}_${var} "${${prefix}_${var}}" PARENT_SCOPE)
  endforeach()
  if(NOT ${prefix}_FOUND OR EC20PPP_STATIC_MODE STREQUAL "OFF")
    return()
  endif()
  set(archives "")
  set(libc_parts "")
  set(missing "")
  foreach(lib IN LISTS ${prefix}_STATIC_LIBRARIES)
    if(lib IN_LIST _ec20ppp_libc_parts)
      list(APPEND libc_parts ${lib})
      continue()
    endif()
    find_library(_archive NAMES lib${lib}.a HINTS ${${prefix}_STATIC_LIBRARY_DIRS} NO_CACHE)
    if(_archive)
      list(APPEND archives ${_archive})
    else()
      list(APPEND missing lib${lib}.a)
    endif()
    unset(_archive)
  endforeach()
  if(missing)
    list(JOIN missing ", " missing_text)
    if(arg_OPTIONAL)
      message(STATUS "${module}: not used (EC20PPP_STATIC=${EC20PPP_STATIC} and no ${missing_text})")
      set(${prefix}_FOUND FALSE PARENT_SCOPE)
    elseif(EC20PPP_STATIC_MODE STREQUAL "ON")
      set_property(GLOBAL APPEND PROPERTY EC20PPP_STATIC_MISSING "${module} needs ${missing_text}")
    else()
      message(STATUS "${module}: shared (no ${missing_text})")
    endif()
    return()
  endif()
  list(REMOVE_DUPLICATES libc_parts)
  list(TRANSFORM libc_parts PREPEND -l)
  set_target_properties(PkgConfig::${prefix} PROPERTIES
    INTERFACE_LINK_LIBRARIES "${archives};${libc_parts}"
    INTERFACE_LINK_OPTIONS "")
  message(STATUS "${module}: static (${archives})")
endfunction()

# After every dependency is looked up: under ON, stop with everything that is missing at once.
function(ec20ppp_static_report)
  get_property(missing GLOBAL PROPERTY EC20PPP_STATIC_MISSING)
  if(EC20PPP_STATIC_MODE STREQUAL "ON" AND missing)
    list(JOIN missing "\n    " missing_text)
    message(FATAL_ERROR
      "EC20PPP_STATIC=ON needs a static archive of every library, and these are missing:\n"
      "    ${missing_text}\n"
      "Debian 12's -dev packages ship libmnl, lwIP and libsystemd as shared libraries only. Either build "
      "them with --enable-static (or BUILD_SHARED_LIBS=OFF) into a prefix and pass "
      "-DCMAKE_PREFIX_PATH=<prefix> (with PKG_CONFIG_PATH=<prefix>/lib/pkgconfig), use a Buildroot, Yocto or "
      "OpenWrt sysroot that has them (their static-libs options), or configure with -DEC20PPP_STATIC=libs "
      "to link statically only what has archives and keep the C library shared.")
  endif()
  if(NOT EC20PPP_STATIC_MODE STREQUAL "OFF")
    message(STATUS "EC20PPP_STATIC=${EC20PPP_STATIC}")
  endif()
endfunction()
