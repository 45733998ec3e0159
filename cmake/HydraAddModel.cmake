# hydra_add_model: compiles an ONNX model with hydrac at build time into a static library target.
#
#   hydra_add_model(<target> <model.onnx> [NAME <c_name>] [SHAPES <in>=<dims> ...]
#                   [ENTRIES <entry>=<out>[,<out>...] ...] [WEIGHTS embed|file]
#                   [OPTIONS <hydrac compile option> ...])
#
# <target> holds <c_name>.o (NAME defaults to <target>); whatever links it includes <c_name>.h
# and links Hydra's runtime. SHAPES, ENTRIES and WEIGHTS are hydrac compile's --shape, --entry
# and --weights; OPTIONS passes anything else (--target, --cpu, --bind, ...). The outputs are in
# ${CMAKE_CURRENT_BINARY_DIR}/<target>.hydra/, the weights file there too with WEIGHTS file.
# The hydrac and runtime used are the targets named by HYDRA_HYDRAC and HYDRA_RUNTIME
# (Hydra::hydrac and Hydra::hydrart from find_package(Hydra); hydrac and hydra_runtime in Hydra's
# own tree).
function(hydra_add_model target model)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "NAME;WEIGHTS" "SHAPES;ENTRIES;OPTIONS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "hydra_add_model(${target}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET "${HYDRA_HYDRAC}" OR NOT TARGET "${HYDRA_RUNTIME}")
    message(FATAL_ERROR "hydra_add_model(${target}): no hydrac or runtime target "
                        "(HYDRA_HYDRAC '${HYDRA_HYDRAC}', HYDRA_RUNTIME '${HYDRA_RUNTIME}'); "
                        "call find_package(Hydra) first")
  endif()
  set(name ${target})
  if(arg_NAME)
    set(name ${arg_NAME})
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "hydra_add_model(${target}): '${name}' is not a C identifier; give NAME")
  endif()
  get_filename_component(model ${model} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${target}.hydra)
  set(obj ${dir}/${name}${CMAKE_C_OUTPUT_EXTENSION})
  set(outputs ${obj} ${dir}/${name}.h)
  set(args compile ${model} -o ${obj} --header ${dir}/${name}.h --name ${name})
  foreach(shape IN LISTS arg_SHAPES)
    list(APPEND args --shape ${shape})
  endforeach()
  foreach(entry IN LISTS arg_ENTRIES)
    list(APPEND args --entry ${entry})
  endforeach()
  if(arg_WEIGHTS)
    list(APPEND args --weights ${arg_WEIGHTS})
    if(arg_WEIGHTS STREQUAL "file")
      list(APPEND outputs ${dir}/${name}.weights)
    endif()
  endif()
  # An imported hydrac is a file to depend on; Hydra's own is a target to build first.
  get_target_property(imported ${HYDRA_HYDRAC} IMPORTED)
  if(imported)
    set(hydrac_dep $<TARGET_FILE:${HYDRA_HYDRAC}>)
  else()
    set(hydrac_dep ${HYDRA_HYDRAC})
  endif()
  add_custom_command(OUTPUT ${outputs}
    COMMAND $<TARGET_FILE:${HYDRA_HYDRAC}> ${args} ${arg_OPTIONS}
    DEPENDS ${model} ${hydrac_dep}
    COMMENT "hydrac compile ${model} (${name})" VERBATIM)
  add_library(${target} STATIC ${outputs})
  set_source_files_properties(${obj} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${target} INTERFACE ${dir})
  target_link_libraries(${target} INTERFACE ${HYDRA_RUNTIME})
endfunction()
