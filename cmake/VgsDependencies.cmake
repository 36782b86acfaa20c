# System libraries from Debian bookworm packages (scripts/debian-packages.txt installs them).
find_package(PkgConfig REQUIRED)
pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile)
pkg_check_modules(SOXR REQUIRED IMPORTED_TARGET soxr)
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(Threads REQUIRED)
# Figures (vgs_report): PLplot's C++ binding with its cairo driver (PNG, SVG and PDF output).
pkg_check_modules(PLPLOT REQUIRED IMPORTED_TARGET plplot-c++ plplot)
