// Reading weights files: safetensors, or the zip files torch.save writes (torch >= 1.6), the latter
// through a restricted unpickler that never runs code (vgs/io/pickle_reader.h). docs/weights.md
// says what is accepted and refused.
#pragma once

#include <string>

#include "vgs/io/state_dict.h"

namespace vgs::io {

// Reads a safetensors or torch.save file, chosen by its first bytes (not its extension). Nested
// dicts are flattened with '.' into Checkpoint::tensors (CPU, contiguous, each owning its memory:
// views that shared a storage in the file no longer alias); non-tensor leaves (a 'cfg' dict's
// ints, floats, strings, bools, None, lists) go into Checkpoint::metadata under the same names.
// vgs::Error "<path>: <problem>" for a refused, malformed or truncated file; the legacy
// (pre-1.6, tar or bare pickle) torch.save format is refused with a note to re-save it.
Checkpoint read_checkpoint(const std::string& path);

// The torch.save zip format alone (read_checkpoint dispatches here).
Checkpoint read_torch_checkpoint(const std::string& path);

}  // namespace vgs::io
