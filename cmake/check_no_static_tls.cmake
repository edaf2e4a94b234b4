# Fails when an ELF shared object uses the initial-exec TLS model, which
# needs room in the static TLS block that a dlopen() made after start-up may
# not find ("cannot allocate memory in static TLS block").
#   cmake -DREADELF=readelf "-DFILES=a.so;b.so" -P check_no_static_tls.cmake
# Two signs, since linkers differ: DF_STATIC_TLS in the dynamic section's
# FLAGS (what GNU ld sets on x86-64), and a dynamic relocation that asks for
# an offset from the thread pointer (binutils 2.40 emits
# R_AARCH64_TLS_TPREL64 on AArch64 without setting the flag).
foreach(file IN LISTS FILES)
  execute_process(COMMAND ${READELF} -d -r -W ${file}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${READELF} ${file}: ${err}")
  endif()
  string(REGEX MATCHALL "STATIC_TLS|R_X86_64_TPOFF[0-9]+|R_386_TLS_TPOFF[0-9]*|R_AARCH64_TLS_TPREL[0-9]*"
         signs "${out}")
  if(signs)
    list(REMOVE_DUPLICATES signs)
    string(REPLACE ";" ", " signs "${signs}")
    message(SEND_ERROR "${file} uses initial-exec TLS (${signs})")
  else()
    message(STATUS "${file}: no initial-exec TLS")
  endif()
endforeach()
