# What `cmake --install` adds beside the targets: the CMake package (find_package(Hydra): the
# imported targets Hydra::hydrac, Hydra::hydrart, Hydra::hydrart_shared and hydra_add_model; it
# locates the prefix from its own path, so --prefix at install time works). hydra-runtime.pc is
# the runtime's (runtime/CMakeLists.txt).
include(CMakePackageConfigHelpers)
set(HYDRA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Hydra)
install(EXPORT HydraTargets NAMESPACE Hydra:: DESTINATION ${HYDRA_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/HydraConfig.cmake.in
  ${CMAKE_BINARY_DIR}/HydraConfig.cmake INSTALL_DESTINATION ${HYDRA_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/HydraConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/HydraConfig.cmake ${CMAKE_BINARY_DIR}/HydraConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/HydraAddModel.cmake DESTINATION ${HYDRA_CMAKE_DIR})
