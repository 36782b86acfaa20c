// --export-embeddings: the evaluated embeddings of every run with their labels, languages and
// sources, in HDF5 for analysis elsewhere (h5py, pandas). Layout in docs/evaluation.md:
//   /runs/<i>/{audio,image}/embeddings [N, E] float32, ids, words, groups (language or source), novel
#pragma once

#include <string>
#include <vector>

#include "vgs/eval/evaluator.h"

namespace vgs::eval {

// Written atomically (temp file + rename); vgs::Error naming the file when it cannot be written.
void export_embeddings(const std::string& path, const std::vector<RunEvaluation>& runs);

}  // namespace vgs::eval
