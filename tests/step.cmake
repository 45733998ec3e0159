# step(WHAT COMMAND...): the `cmake -P` test scripts' way to run one step (tests/install,
# tests/cross): a failure stops the test with the step's name, exit code and output; the step's
# stdout is left in step_out.
function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(step_out "${out}" PARENT_SCOPE)
endfunction()
