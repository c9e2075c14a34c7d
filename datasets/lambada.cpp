// LAMBADA reader: JSON lines -> (context, last word) at the last space.
#include "datasets/lambada.h"

#include "core/error.h"
#include "datasets/document.h"

namespace spikebench::datasets {

LambadaExample split_lambada(std::string text, const std::string& where) {
  size_t sp = text.rfind(' ');
  if (sp == std::string::npos || sp + 1 == text.size())
    fail(where, ": LAMBADA passage has no last word after a space");
  LambadaExample ex;
  ex.context = text.substr(0, sp);
  ex.last_word = text.substr(sp + 1);
  ex.text = std::move(text);
  return ex;
}

std::vector<LambadaExample> read_lambada(const std::filesystem::path& path) {
  JsonlSource source({path}, "text");
  std::vector<LambadaExample> out;
  Document doc;
  size_t line = 0;
  while (source.next(doc))
    out.push_back(split_lambada(std::move(doc.text), path.string() + ":" + std::to_string(++line)));
  return out;
}

}  // namespace spikebench::datasets
