"""OpenAI's GPT-2 encoding in tiktoken, built from the data folder's encoder.json + vocab.bpe
(no download; the hashes are tiktoken's own for those files). Shared by the bench scripts."""
import os

import tiktoken
from tiktoken.load import data_gym_to_mergeable_bpe_ranks


def gpt2(data):
    ranks = data_gym_to_mergeable_bpe_ranks(
        vocab_bpe_file=os.path.join(data, "gpt2", "vocab.bpe"),
        encoder_json_file=os.path.join(data, "gpt2", "encoder.json"),
        vocab_bpe_hash="1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
        encoder_json_hash="196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783")
    return tiktoken.Encoding("gpt2", explicit_n_vocab=50257,
        pat_str=r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
        mergeable_ranks=ranks, special_tokens={"<|endoftext|>": 50256})
