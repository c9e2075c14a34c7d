#pragma once
// Shared Boost.Program_options plumbing for sub-commands: parse, answer --help, turn option
// errors into one-line spikebench::Error messages.
#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

namespace spikebench::cli {

namespace po = boost::program_options;

/// Parses `args` for command `name`. Returns nullopt when --help was printed (exit 0).
/// `positional` names options that take positional arguments, in order (-1 = the rest).
std::optional<po::variables_map> parse(const std::string& name, const std::string& usage,
                                       po::options_description& options,
                                       const std::vector<std::pair<std::string, int>>& positional,
                                       const std::vector<std::string>& args);

}  // namespace spikebench::cli
