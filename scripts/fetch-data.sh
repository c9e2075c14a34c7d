#!/usr/bin/env bash
# Downloads spikebench's datasets from their official sources into a data folder with the layout
# of ../shared/data (see its MANIFEST.md), verifying the sha256 of every file it writes.
#   gpt2      encoder.json, vocab.bpe           openaipublic.blob.core.windows.net/gpt-2
#   wikitext  WikiText-103 test/valid tokens, wiki.test.raw, WikiText-2 test/valid   (S3 zips)
#   lambada   lambada_test.jsonl (OpenAI's)     openaipublic.blob.core.windows.net/gpt-2/data
#   c4        allenai/c4 en shards              huggingface.co/datasets/allenai/c4 (count selectable)
#   wmt       newstest2010-2016 en-de, SGML -> plain text as sacrebleu does (statmt.org tarballs,
#             md5-checked like sacrebleu, then the extracted files sha256-checked)
#   enwiki    the 2015 WikiExtractor corpus (jason-feng/wikiVisual @ 1c0fac9, 300 files)
#   oracles   test oracles (tiktoken ids, sacrebleu cases): only from a mirror
# Downloads resume (curl -C -); a file is moved into place only after its hash matched. Files with
# no published hash (full C4 shards other than train/validation 00000, WikiText-103 train) are
# recorded in DEST/SHA256SUMS.unpinned and checked against that record on later runs.
#
# Usage: scripts/fetch-data.sh [--dest DIR] [--mirror DIR] [--only LIST] [--c4-train N]
#                              [--c4-valid N] [--help]
#   --dest DIR     data folder to fill (default: $SPIKEBENCH_DATA_DIR, else ./data)
#   --mirror DIR   copy from a local folder with the same layout instead of downloading
#                  (e.g. ../shared/data); every copied file is verified the same way
#   --only LIST    comma-separated components (default: gpt2,wikitext,lambada,c4,wmt; add
#                  enwiki and, with --mirror, oracles)
#   --c4-train N   number of C4 en train shards (default 1; 1024 exist, ~320 MB each)
#   --c4-valid N   number of C4 en validation shards (default 1; 8 exist, ~40 MB each)
set -euo pipefail

dest="${SPIKEBENCH_DATA_DIR:-./data}" mirror="" only="gpt2,wikitext,lambada,c4,wmt"
c4_train=1 c4_valid=1
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) dest="$2"; shift 2 ;;
    --mirror) mirror="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --c4-train) c4_train="$2"; shift 2 ;;
    --c4-valid) c4_valid="$2"; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fetch-data.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
die() { echo "fetch-data.sh: error: $*" >&2; exit 1; }
log() { echo "fetch-data: $*" >&2; }
[ -z "$mirror" ] || [ -d "$mirror" ] || die "mirror '$mirror' is not a directory"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
[ -z "$mirror" ] || mirror="$(cd "$mirror" && pwd)"
[ "$dest" != "$mirror" ] || die "--dest and --mirror are the same folder"
want() { case ",$only," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

# sha256 of the files as MANIFEST.md lists them (HASH-MATCH / published values where they exist).
declare -A SHA=(
  [gpt2/encoder.json]=196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783
  [gpt2/vocab.bpe]=1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5
  [lambada/lambada_test.jsonl]=4aa8d02cd17c719165fc8a7887fddd641f43fcafa4b1c806ca8abc31fabdb226
  [wikitext/wiki.test.raw]=173c87a53759e0201f33e0ccf978e510c2042d7f2cb78229d9a50d79b9e7dd08
  [wikitext/wiki.test.tokens]=56db52eb157b1ab5c89646eef70510c1eca6e12a3bfdb99f0d6b05b4eacb75b9
  [wikitext/wiki.valid.tokens]=9aee9f52d6e77de6c7751fc5e7c44287db3ec0eaf15477098acc6b93c1c4250b
  [wikitext/wikitext-2/wiki.test.tokens]=d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0
  [wikitext/wikitext-2/wiki.valid.tokens]=f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8
  [c4/c4-train.00000-of-01024.json.gz]=8ef8d75b0e045dec4aa5123a671b4564466b0707086a7ed1ba8721626dfffbc9
  [c4/c4-validation.00000-of-00008.json.gz]=1f25b6af12da84115301d4ee93ea5246c8fea5bb4a2008472794d95b917cc97f
  [c4/c4-olmo-test-fixture.00000-of-00001.json.gz]=75cdeb8bacc1fd115eaf338290fc7c6ac60e48c9f88d12250511666a201eee1c
  [c4/c4-train.00000-of-01024.first1000.json.gz]=a06ff3e0861974ea3c973d2b4aa7bc5238a8662f630ee132665a427512e8ea0d
  [wmt/newstest2010.de]=4f4b02d3abe150ca47a745d138d90f688edb20dd2d2fedca16aa05fd1e2018b1
  [wmt/newstest2010.en]=1ebece77e333965cbc66fde735a6f17e026b4d6690f4f7fdaba839b7bdadac3b
  [wmt/newstest2011.de]=033bc05659f61c5e51170973267d21e23a9a968557b866f3842c92e416a60e1b
  [wmt/newstest2011.en]=d387569743c0fa9097df4d4e2c1dd9e6ba9ef3cee6e0f473da3204c887dcf8fd
  [wmt/newstest2012.de]=946b9587b79271b0f3ce9cc8c0e5b310e3021ef598e1ba5dc2a24fef8960de30
  [wmt/newstest2012.en]=f9e51f85c4948033fc7d77ef427f4d88908a8dd3f778970f62d0baafac3ff97e
  [wmt/newstest2013.de]=d7ea35ab91ff3709e03ad9cb6bf5b4f2cc775cd2d72efd5254c4aec5e69663ca
  [wmt/newstest2013.en]=ace268a1d9724ca76f6d8e5c720ffdc08f01bdce45630ed8b269dc7918e1c16e
  [wmt/newstest2014-filtered.de]=48fad9e043d7e8e89c06fa8203283501166e4f4a059f6cf08d9a4d6674a19fd8
  [wmt/newstest2014-filtered.en]=18db2323feae45b4b9e7d3b400d3ee3740f03a4da50046c07e3c255b9985a3f9
  [wmt/newstest2014-filtered.line-numbers-in-full.txt]=05447db7010bc39971c335228700ae03aa2529d504dbc9fdff8bb1e9d1a5b706
  [wmt/newstest2014-filtered.opennmt-py.tok.en]=5fde93388f630f7afd3208f24b4c68d3f992ddb15e0bc2491ee3b4f9ea44845b
  [wmt/newstest2014.de]=ae5d110486bc33d7175e9e28c7d0051eb3e5fcd2166dd93371089852c091a20e
  [wmt/newstest2014.en]=7294bccf2879a97b3706b95c9595f1459617a8ee7130d5d8581c910e69736971
  [wmt/newstest2015.de]=796cce52ab248469187b60f60715a738a0b92944dc010a69a0083de7fae1b513
  [wmt/newstest2015.en]=422fbb5a274c7aae1a0890381cd4516307ca7bc957604220d4871a91664121e5
  [wmt/newstest2016.de]=738ca1ced4099937127be3208ba70d46e7a93550cd57cfd645f3d35e0e52a254
  [wmt/newstest2016.en]=cd5c112a358d9c99b9557eb358e16d7a94f8fa93ad7aa61bf5f1141f2e1f8854
  [wmt/sgm/newstest2014-deen-ref.de.sgm]=f10c95d057be397c0718b3c349840709810f4e39deed6906f7beace67af6ea3b
  [wmt/sgm/newstest2014-deen-src.en.sgm]=504d07744c489d23aefbd120bebf9720fadcb32891d4370f4fe05732de274099
  [wmt/train_sample/opennmt-py.train.tok.de]=fe1f824a189baa650eec46269e66eef07f7304ba7572598ebbe61c55eeff7d01
  [wmt/train_sample/opennmt-py.train.tok.en]=a4deafe1eb225d98f196ad87e90eec8494a729690c06e0186ee9d2793667a0d2
  [corpora/enwiki-2015-wikiextractor/enwiki-2015.wikiextractor.AA.txt.gz]=b0f2640d1c609309ecc56e59b8a04d6ca3595581556170dd2d01bc7f87e46f5f
  [corpora/enwiki-2015-wikiextractor/enwiki-2015.wikiextractor.AB.txt.gz]=2a870f9a9a187e100225616b4381b02f10630fcbc17750a022b923e854cd00c1
  [corpora/enwiki-2015-wikiextractor/enwiki-2015.wikiextractor.AC.txt.gz]=083aa2a946e3385f03da5547775314492a5f7b51f642cb5fadb87a233b75a33d
  [corpora/enwiki-2015-wikiextractor/members.tsv]=11195621656df2dadfcb260dadea61162a2396738832826b09b1204d5dd8417c
  [oracles/gpt2_tokenizer/ggml-vocab-gpt-2.gguf.inp]=ef7a25a263fba141f64a8a842ceb1c572cdb8e1313f592d974f7a06bbd3a4934
  [oracles/gpt2_tokenizer/ggml-vocab-gpt-2.gguf.out]=a2630e9cf29c0ddbd9fd79fe358dc83e80af779f886eeaa7627dbfdeec54bae6
  [oracles/gpt2_tokenizer/lambada_test.gpt2-ids.jsonl.gz]=cc0d49dd7c480f4af000c0475a1c4c02dd85915b91b8ae7bba997bfb88365166
  [oracles/gpt2_tokenizer/llamacpp_ggml-vocab-gpt-2_vectors.json]=ed198fd9da044589ee37fbb4012b3233f94a71ec1f4f105a7a6c8f517a9bb2c4
  [oracles/gpt2_tokenizer/tiktoken_gpt2_vectors.json]=3c85bc9f2ef34ab366ff6f81c4f4127ee3fca615a4759231893a1c291ae083e9
  [oracles/gpt2_tokenizer/wikitext103.wiki.test.tokens.gpt2-ids.txt.gz]=56ee0ed543b3965da98a3593ba67275fe47d7ea8ab7a4fbf7449ad4f442db872
  [oracles/gpt2_tokenizer/wikitext103.wiki.valid.tokens.gpt2-ids.txt.gz]=198895764578623a774b2d568929d6d40a48fe4460f14c6c805d5bbea33fd076
  [oracles/sacrebleu/sacrebleu_unit_test_cases.json]=053fd84455d7d04248d65349fb54b156f2c63f776fc961e78f88bd2196bf8cfd
)
# Uncompressed sha256 of the enwiki shards (gzip output may differ between gzip versions).
declare -A ENWIKI_RAW=(
  [AA]=2af13395f799dd7982c9b62fdbad0a20521e1c22f29e5ed019f2e4703b37ad32
  [AB]=2c58f27cdaa70db92ef1d6481b886cb8bf6225daace4ca67c01b272f4f61c581
  [AC]=401e2dd9796dcef7f863314d3a550b9b91c66eb94d485cbebb6a68fffee49c94
)
unpinned="$dest/SHA256SUMS.unpinned"
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# verify REL FILE: FILE's sha256 must equal the pinned (or previously recorded) hash of REL.
verify() {
  local rel="$1" file="$2" got want=""
  got="$(sha_of "$file")"
  want="${SHA[$rel]:-}"
  if [ -z "$want" ] && [ -f "$unpinned" ]; then want="$(awk -v r="$rel" '$2==r{print $1}' "$unpinned")"; fi
  if [ -z "$want" ]; then
    log "WARNING: $rel has no published sha256; recording $got in $(basename "$unpinned")"
    echo "$got $rel" >>"$unpinned"
    return 0
  fi
  [ "$got" = "$want" ] || die "$rel: sha256 $got, expected $want (corrupt or changed upstream: $file; nothing was installed)"
}

# install REL SRC: verify SRC (a temp or mirror file) as REL and move/copy it into place.
install_file() {
  local rel="$1" src="$2" out="$dest/$1"
  mkdir -p "$(dirname "$out")"
  verify "$rel" "$src"
  if [ -n "$mirror" ] && [ "$src" = "$mirror/$rel" ]; then cp "$src" "$out.part" && mv "$out.part" "$out"
  else mv "$src" "$out"; fi
  log "ok  $rel"
}

# have REL: the file is already in place and verified.
have() { [ -f "$dest/$1" ] && [ -n "${SHA[$1]:-}" ] && [ "$(sha_of "$dest/$1")" = "${SHA[$1]}" ]; }

# get REL URL: one file, downloaded (resumable) or copied from the mirror, then verified.
get() {
  local rel="$1" url="$2"
  if have "$rel"; then log "have $rel"; return 0; fi
  if [ -n "$mirror" ]; then
    [ -f "$mirror/$rel" ] || die "mirror has no $rel"
    install_file "$rel" "$mirror/$rel"
    return 0
  fi
  mkdir -p "$(dirname "$dest/$rel")"
  log "get $url"
  curl -fL --retry 3 -C - -o "$dest/$rel.part" "$url" || die "download failed: $url (re-run to resume)"
  install_file "$rel" "$dest/$rel.part"
}

# download URL to the cache, resumable, checking an md5 (as sacrebleu pins its tarballs).
cache="$dest/.cache"
get_cached() {
  local url="$1" md5="$2" out="$cache/$(basename "$1")"
  mkdir -p "$cache"
  if [ ! -f "$out" ] || { [ -n "$md5" ] && [ "$(md5sum "$out" | cut -d' ' -f1)" != "$md5" ]; }; then
    log "get $url"
    curl -fL --retry 3 -C - -o "$out.part" "$url" || die "download failed: $url (re-run to resume)"
    if [ -n "$md5" ] && [ "$(md5sum "$out.part" | cut -d' ' -f1)" != "$md5" ]; then
      die "$url: md5 differs from sacrebleu's pin $md5 (partial file kept as $out.part)"
    fi
    mv "$out.part" "$out"
  fi
  echo "$out"
}

# sacrebleu's SGML -> text: lines starting with "<seg ", re.sub(r"<seg.*?>(.*)</seg>.*?", r"\1"),
# then re.sub(r"\s+", " ", s.strip()).
sgm_to_text() {
  python3 - "$1" "$2" <<'PY'
import re, sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in f:
        if line.startswith("<seg "):
            print(re.sub(r"\s+", " ", re.sub(r"<seg.*?>(.*)</seg>.*?", "\\1", line).strip()), file=out)
PY
}

# ---- components ---------------------------------------------------------------------------------
if want gpt2; then
  for f in encoder.json vocab.bpe; do
    get "gpt2/$f" "https://openaipublic.blob.core.windows.net/gpt-2/encodings/main/$f"
  done
fi

if want lambada; then
  get lambada/lambada_test.jsonl "https://openaipublic.blob.core.windows.net/gpt-2/data/lambada_test.jsonl"
fi

if want wikitext; then
  if [ -n "$mirror" ]; then
    for rel in wiki.test.tokens wiki.valid.tokens wiki.test.raw wikitext-2/wiki.test.tokens wikitext-2/wiki.valid.tokens; do
      get "wikitext/$rel" ""
    done
  else
    s3="https://s3.amazonaws.com/research.metamind.io/wikitext"
    tmp="$(mktemp -d)"
    unzip -q -o "$(get_cached "$s3/wikitext-103-v1.zip" "")" -d "$tmp"
    unzip -q -o "$(get_cached "$s3/wikitext-103-raw-v1.zip" "")" -d "$tmp"
    unzip -q -o "$(get_cached "$s3/wikitext-2-v1.zip" "")" -d "$tmp"
    for f in wiki.test.tokens wiki.valid.tokens wiki.train.tokens; do
      have "wikitext/$f" || install_file "wikitext/$f" "$tmp/wikitext-103/$f"
    done
    have wikitext/wiki.test.raw || install_file wikitext/wiki.test.raw "$tmp/wikitext-103-raw/wiki.test.raw"
    for f in wiki.test.tokens wiki.valid.tokens; do
      have "wikitext/wikitext-2/$f" || install_file "wikitext/wikitext-2/$f" "$tmp/wikitext-2/$f"
    done
    rm -rf "$tmp"
  fi
fi

if want c4; then
  if [ -n "$mirror" ]; then
    for f in "$mirror"/c4/*.json.gz; do get "c4/$(basename "$f")" ""; done
  else
    hf="https://huggingface.co/datasets/allenai/c4/resolve/main/en"
    for ((i = 0; i < c4_train; i++)); do
      n="$(printf '%05d' "$i")"; get "c4/c4-train.$n-of-01024.json.gz" "$hf/c4-train.$n-of-01024.json.gz"
    done
    for ((i = 0; i < c4_valid; i++)); do
      n="$(printf '%05d' "$i")"; get "c4/c4-validation.$n-of-00008.json.gz" "$hf/c4-validation.$n-of-00008.json.gz"
    done
  fi
fi

if want wmt; then
  if [ -n "$mirror" ]; then
    while IFS= read -r f; do get "${f#"$mirror"/}" ""; done < <(find "$mirror/wmt" -type f | sort)
  else
    # year  tarball (sacrebleu's URL)  md5 (sacrebleu's pin)  English SGML  German SGML
    while read -r name url md5 en de; do
      tgz="$(get_cached "$url" "$md5")"
      tmp="$(mktemp -d)"
      tar -xzf "$tgz" -C "$tmp" "$en" "$de"
      sgm_to_text "$tmp/$en" "$tmp/out.en"
      sgm_to_text "$tmp/$de" "$tmp/out.de"
      have "wmt/$name.en" || install_file "wmt/$name.en" "$tmp/out.en"
      have "wmt/$name.de" || install_file "wmt/$name.de" "$tmp/out.de"
      if [ "$name" = newstest2014 ]; then
        have wmt/sgm/newstest2014-deen-src.en.sgm || install_file wmt/sgm/newstest2014-deen-src.en.sgm "$tmp/$en"
        have wmt/sgm/newstest2014-deen-ref.de.sgm || install_file wmt/sgm/newstest2014-deen-ref.de.sgm "$tmp/$de"
      fi
      rm -rf "$tmp"
    done <<'LIST'
newstest2010 http://statmt.org/wmt10/test.tgz 491cb885a355da5a23ea66e7b3024d5c test/newstest2010-src.en.sgm test/newstest2010-src.de.sgm
newstest2011 http://statmt.org/wmt11/test.tgz b0c9680adf32d394aefc2b24e3a5937e newstest2011-src.en.sgm newstest2011-src.de.sgm
newstest2012 http://statmt.org/wmt12/test.tgz 608232d34ebc4ba2ff70fead45674e47 test/newstest2012-src.en.sgm test/newstest2012-src.de.sgm
newstest2013 http://statmt.org/wmt13/test.tgz 48eca5d02f637af44e85186847141f67 test/newstest2013-src.en.sgm test/newstest2013-src.de.sgm
newstest2014 http://statmt.org/wmt14/test-full.tgz a8cd784e006feb32ac6f3d9ec7eb389a test-full/newstest2014-deen-src.en.sgm test-full/newstest2014-deen-ref.de.sgm
newstest2014-filtered http://statmt.org/wmt14/test-filtered.tgz 84c597844c1542e29c2aff23aaee4310 test/newstest2014-deen-src.en.sgm test/newstest2014-deen-ref.de.sgm
newstest2015 http://statmt.org/wmt15/test.tgz 67e3beca15e69fe3d36de149da0a96df test/newstest2015-ende-src.en.sgm test/newstest2015-ende-ref.de.sgm
newstest2016 http://data.statmt.org/wmt16/translation-task/test.tgz 3d809cd0c2c86adb2c67034d15c4e446 test/newstest2016-ende-src.en.sgm test/newstest2016-ende-ref.de.sgm
LIST
  fi
fi

if want enwiki; then
  base=corpora/enwiki-2015-wikiextractor
  if [ -n "$mirror" ]; then
    for f in members.tsv enwiki-2015.wikiextractor.{AA,AB,AC}.txt.gz; do get "$base/$f" ""; done
  else
    raw="https://raw.githubusercontent.com/jason-feng/wikiVisual/1c0fac92f29f17c1603bfffbe864e0dfdff66897/text"
    for d in AA AB AC; do
      rel="$base/enwiki-2015.wikiextractor.$d.txt.gz"
      if have "$rel"; then log "have $rel"; continue; fi
      mkdir -p "$cache/enwiki/$d" "$dest/$base"
      for ((i = 0; i < 100; i++)); do
        f="wiki_$(printf '%02d' "$i")"
        [ -f "$cache/enwiki/$d/$f" ] && continue
        curl -fL --retry 3 -C - -o "$cache/enwiki/$d/$f.part" "$raw/$d/$f" || die "download failed: $raw/$d/$f"
        mv "$cache/enwiki/$d/$f.part" "$cache/enwiki/$d/$f"
      done
      got="$(cat "$cache/enwiki/$d"/wiki_?? | sha256sum | cut -d' ' -f1)"
      [ "$got" = "${ENWIKI_RAW[$d]}" ] || die "$rel: uncompressed sha256 $got, expected ${ENWIKI_RAW[$d]}"
      cat "$cache/enwiki/$d"/wiki_?? | gzip -9 -n >"$dest/$rel.part"
      if [ "$(sha_of "$dest/$rel.part")" != "${SHA[$rel]}" ]; then
        log "note: $rel content verified (uncompressed sha256); its gzip bytes differ from the mirror's"
        unset "SHA[$rel]"
      fi
      install_file "$rel" "$dest/$rel.part"
    done
  fi
fi

if want oracles; then
  [ -n "$mirror" ] || die "oracles come from a mirror only (they are generated, not downloaded); use --mirror"
  while IFS= read -r f; do get "${f#"$mirror"/}" ""; done < <(find "$mirror/oracles" -type f | sort)
fi
[ -n "$mirror" ] && [ -f "$mirror/MANIFEST.md" ] && ! [ -f "$dest/MANIFEST.md" ] && cp "$mirror/MANIFEST.md" "$dest/"
log "done: $dest"
