// Precompiled header for the targets that use LibTorch: parsing torch/torch.h once per target
// instead of once per file is most of the build time saved.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>
