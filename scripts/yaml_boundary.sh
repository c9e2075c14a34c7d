#!/usr/bin/env bash
# The YAML boundary (issue 26): yaml-cpp's types appear only in the readers and writers of the
# suite's YAML files; everything past them reads typed values (Study, RunSpec::typed,
# checks::CheckList, config::Reader, config::Tree). Exit 1, naming each file and line, when
# another file of suite/ mentions YAML::.
#   suite/config/            the readers: YAML helpers, Reader, Tree, golden files, expectations
#   suite/study.cpp          the study file's reader (it merges the config layers)
#   suite/model_config.*     the model keys (a run's, a model-keys file's) and their inverse
#   suite/model_io/model_folder.cpp   a model folder's spikebench.yaml
#   suite/prereg.*           pre-registration records: the design is canonical YAML, hashed
set -euo pipefail
cd "$(dirname "$0")/.."
allowed='^suite/(config/|study\.cpp|model_config\.(h|cpp)|model_io/model_folder\.cpp|prereg\.(h|cpp))'
hits=$(grep -rn 'YAML::' suite --include='*.h' --include='*.cpp' | grep -Ev "$allowed" || true)
if [[ -n "$hits" ]]; then
  echo "$hits"
  echo "yaml_boundary: YAML:: outside the readers (scripts/yaml_boundary.sh lists them)" >&2
  exit 1
fi
echo "yaml_boundary: YAML:: only in $(grep -rln 'YAML::' suite --include='*.h' --include='*.cpp' | wc -l) reader files" >&2
