// One include for reading and writing weights files: read_checkpoint (safetensors or torch.save,
// by magic), read_safetensors and write_safetensors.
#pragma once

#include "vgs/io/safetensors.h"
#include "vgs/io/state_dict.h"
#include "vgs/io/torch_checkpoint.h"
