#pragma once
// A results tree as bytes, for handing a Group across a pipe: store.cpp reads HDF5 files in a
// child process (an HDF5 crash on a damaged file must not take the caller with it) and sends
// the tree back this way. Not a file format: both ends are the same binary.
#include <string>
#include <string_view>

#include "suite/results/tree.h"

namespace spikebench::results {

std::string encode(const Group& g);
/// The tree encode() wrote; throws an Error (naming nothing: the caller names the file) on
/// truncated or inconsistent bytes.
Group decode(std::string_view bytes);

}  // namespace spikebench::results
