// A structural check of RIFF/WAVE files. libsndfile quietly reads a truncated WAV as a shorter
// one; a 10-hour run should instead hear that the file is damaged.
#pragma once

#include <string>

namespace vgs::io {

// Empty when the file is not a RIFF/WAVE file or looks whole; otherwise the reason it is damaged.
std::string wav_damage(const std::string& path);

}  // namespace vgs::io
