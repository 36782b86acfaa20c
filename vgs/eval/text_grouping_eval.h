// vgs-eval on a text grouping run (model.family: text_grouping): its checkpoint on a caption test
// split (the run's own or eval.captions) and forced-choice sets, reported with the same keys the
// trainer writes at its best checkpoint, plus attention-map figures of the grouping block.
#pragma once

#include <string>

#include "vgs/eval/evaluator.h"
#include "vgs/eval/options.h"
#include "vgs/train/text_grouping_options.h"

namespace vgs::eval {

// Metrics: phrase/... (tIoU, F1 and both baselines), retrieval/text_to_image/... and image_to_text,
// forced_choice/<set>/...; attention maps go to <figures_dir>/attention/<caption id>.{png,pdf}.
// vgs::Error naming eval.tasks, the checkpoint or the data that is missing.
RunEvaluation evaluate_text_grouping_run(const std::string& run_dir, train::TextGroupingOptions run, const EvalOptions& options,
                                         const std::string& figures_dir);

}  // namespace vgs::eval
