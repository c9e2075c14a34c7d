#pragma once
// Shared Boost.Program_options plumbing for sub-commands: parse, answer --help, turn option
// errors into one-line spikebench::Error messages. One way to read options: every option is
// bound to a variable (po::value(&x), po::bool_switch(&flag), or cli::maybe(&optional) for one
// without a default), so a command reads its variables, never the variables_map.
#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

namespace spikebench::cli {

namespace po = boost::program_options;

/// Parses `args` for command `name` into the variables the options are bound to. Returns false
/// when --help was printed (exit 0). `positional` names options that take positional arguments,
/// in order (-1 = the rest).
bool parse(const std::string& name, const std::string& usage, po::options_description& options,
           const std::vector<std::pair<std::string, int>>& positional,
           const std::vector<std::string>& args);

/// An option without a default, bound to `target`: nullopt unless given.
template <typename T>
po::typed_value<T>* maybe(std::optional<T>* target) {
  return po::value<T>()->notifier([target](const T& v) { *target = v; });
}

}  // namespace spikebench::cli
