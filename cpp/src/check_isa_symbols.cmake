# Fails the build when a kernel object of one instruction set defines a weak symbol
# outside its own namespace (hyperdiff::<isa>::). The linker keeps one copy of each
# weak symbol for the whole module, whichever object comes first on the link line, so
# such a symbol (an out-of-line std::vector member, say) compiled for AVX-512 would be
# run by the AVX2 and baseline kernels too: an illegal instruction on CPUs without it.
# Called as cmake -DNM=... -DISA=v3 -DOBJECTS=a.o;b.o -DSTAMP=file -P this file.
set(foreign)
foreach(object IN LISTS OBJECTS)
  if(object STREQUAL "")
    continue()
  endif()
  execute_process(COMMAND "${NM}" -C --defined-only "${object}"
    OUTPUT_VARIABLE symbols RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "${NM} could not read ${object}")
  endif()
  string(REPLACE "\n" ";" lines "${symbols}")
  foreach(line IN LISTS lines)
    # "address type name": W/V weak, u unique global (a template's static local)
    if(line MATCHES "^[0-9a-fA-F]+ [WVu] (.*)$")
      set(name "${CMAKE_MATCH_1}")
      if(NOT name MATCHES "hyperdiff::${ISA}::" AND NOT name STREQUAL "DW.ref.__gxx_personality_v0")
        list(APPEND foreign "${name}")
      endif()
    endif()
  endforeach()
endforeach()
if(foreign)
  list(REMOVE_DUPLICATES foreign)
  list(JOIN foreign "\n  " shown)
  message(FATAL_ERROR "the ${ISA} kernels define weak symbols outside hyperdiff::${ISA}:: "
    "(every build would share one copy; use the build's own types, e.g. Vector of "
    "common.hpp):\n  ${shown}")
endif()
file(TOUCH "${STAMP}")
