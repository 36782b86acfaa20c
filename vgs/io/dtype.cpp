// The dtype table: names, sizes and the Rust library's order of the element types vgs stores.
#include "vgs/io/dtype.h"

namespace vgs::io {

namespace {

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
  int rank;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::F64, "F64", 8, 8}, {DType::F32, "F32", 4, 7}, {DType::F16, "F16", 2, 4},
    {DType::BF16, "BF16", 2, 5}, {DType::I64, "I64", 8, 9}, {DType::I32, "I32", 4, 6},
    {DType::I16, "I16", 2, 3},  {DType::I8, "I8", 1, 2},   {DType::U8, "U8", 1, 1},
    {DType::BOOL, "BOOL", 1, 0},
};

const DTypeInfo& info_of(DType dtype) { return kDTypes[static_cast<int>(dtype)]; }

}  // namespace

const char* dtype_name(DType dtype) { return info_of(dtype).name; }
size_t dtype_size(DType dtype) { return info_of(dtype).size; }
int dtype_rank(DType dtype) { return info_of(dtype).rank; }

bool parse_dtype(const std::string& name, DType& dtype) {
  for (const auto& info : kDTypes) {
    if (name == info.name) {
      dtype = info.dtype;
      return true;
    }
  }
  return false;
}

}  // namespace vgs::io
