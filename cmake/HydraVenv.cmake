# hydra_python_venv(TARGET DIR REQUIREMENTS COMMENT): a pinned Python venv under the build tree
# (scripts/python_env.sh), built by the custom target TARGET and by nothing else.
#
# Why a target: with the Makefile generator, a custom command whose OUTPUT another target's command
# lists in DEPENDS is copied into that target's rules too, so two targets that both need the venv
# each ran pip into the same folder at once (a CI run died of SIGBUS in torch that way). Steps that
# need the venv list TARGET in DEPENDS (an ordering, no copy of the rule) and the requirements file
# (so a changed pin reruns them).
function(hydra_python_venv target dir reqs comment)
  add_custom_command(OUTPUT ${dir}/.requirements
    COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/python_env.sh ${dir} ${reqs}
    DEPENDS ${reqs} ${CMAKE_SOURCE_DIR}/scripts/python_env.sh
    COMMENT "${comment}" VERBATIM)
  add_custom_target(${target} DEPENDS ${dir}/.requirements)
endfunction()
