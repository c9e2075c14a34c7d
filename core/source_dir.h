#pragma once
// The source tree this binary was built from (baselines/, scripts/, the data mirror beside it).
// Defined in one generated file (build/<preset>/generated/source_dir.cpp) instead of a -D on
// every compile: an absolute path on each command line made ccache miss for every file of a
// clone in another folder (CI clones afresh; CCACHE_BASEDIR cannot rewrite -D values).
namespace spikebench {

const char* source_dir();

}  // namespace spikebench
