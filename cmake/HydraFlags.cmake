# The C dialect and warnings every Hydra build uses: the whole project's and the runtime's when it
# is built alone (`cmake -S runtime`, runtime/CMakeLists.txt).
set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS ON) # GNU vector extensions in kernels, __attribute__ everywhere
# Off for a user's own build (a newer compiler's new warning must not break it); the project's
# test command (scripts/test.sh, so CI) and the sanitizer and fuzz scripts turn it on.
option(HYDRA_WERROR "Treat warnings as errors" OFF)
# -Wstrict-prototypes is C only: the compiler library has one C++ file (codegen/llvm_guard.cpp)
add_compile_options(-Wall -Wextra -Wno-unused-parameter -Wshadow
                    $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes>)
if(HYDRA_WERROR)
  add_compile_options(-Werror)
endif()
