// FileReader over libsndfile: wav, flac, ogg/vorbis, opus, mp3 and the other
// formats the installed libsndfile was built with.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "audio/file/memory_file.h"
#include "scribed/audio/file_reader.h"

namespace scribed::audio::file {

// Returns nullptr when libsndfile does not recognise the file, with its reason
// in `*why`; throws FileError when it does but the stream is unusable.
std::unique_ptr<FileReader> OpenWithSndfile(const std::filesystem::path& path, std::string* why);

// The same for a file in memory; `memory` is left untouched (moved from only
// on success) so another decoder can try it.
std::unique_ptr<FileReader> OpenWithSndfile(std::unique_ptr<MemoryFile>& memory,
                                            const std::string& name, std::string* why);

}  // namespace scribed::audio::file
