"""A tiny Qwen2.5-VL checkpoint, built offline once per test session.

The checkpoint has the real architecture, tokenizer layout (byte-level BPE with the 14 Qwen
special tokens in Qwen order), chat template and image processor, at a few hundred thousand
parameters. Its weights are random except for a "script": every layer's output projections
are zeroed, so the last hidden state is the normalised embedding of the last token, and the
output head maps each script token to the next one. Greedy decoding therefore writes a known
page of Nanonets markdown (then stops), or, in the looping variant, repeats it forever. The
engine loads these folders through exactly the code path of the real model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SPECIAL = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
]
SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
# Qwen2.5-VL's chat template (images as <|vision_start|><|image_pad|><|vision_end|>).
TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}"
    "{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}"
    "Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}"
    "Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SCRIPT = [
    "# Invoice 2024-017\n\n",
    "<table><tr><th>Item</th><th>Amount</th></tr><tr><td>Paper</td><td>42.00</td></tr></table>\n\n",
    "Total due: 42.00 EUR ☑ paid\n\n",
    "<page_number>7</page_number>",
]
SCRIPT_TEXT = "".join(SCRIPT).strip()


@dataclass(frozen=True)
class TinyCheckpoints:
    clean: Path  # writes SCRIPT_TEXT and stops
    looping: Path  # writes SCRIPT over and over


def tokenizer():  # type: ignore[no-untyped-def]
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import Qwen2TokenizerFast

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(SPLIT), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[]
    )
    from docsight.settings import NANONETS_PROMPT

    tok.train_from_iterator([NANONETS_PROMPT, "You are a helpful assistant.", *SCRIPT] * 4, trainer)
    tok.add_special_tokens(SPECIAL)
    fast = Qwen2TokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        bos_token=None,
    )
    # Each script piece is one (non-special) token, so "next token" is a function of the
    # current token alone and the output survives skip_special_tokens decoding.
    fast.add_tokens(SCRIPT)
    fast.chat_template = TEMPLATE
    return fast


def build(root: Path) -> TinyCheckpoints:
    import torch
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
    from transformers.models.qwen2_vl import image_processing_pil_qwen2_vl as pil

    torch.manual_seed(0)
    tokenizer_ = tokenizer()
    ids = {t: tokenizer_.convert_tokens_to_ids(t) for t in SPECIAL}
    text = dict(
        vocab_size=len(tokenizer_),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=32768,
        rope_scaling={"type": "mrope", "mrope_section": [2, 3, 3]},
        tie_word_embeddings=False,
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|endoftext|>"],
        bos_token_id=ids["<|endoftext|>"],
    )
    vision = dict(
        depth=2,
        hidden_size=32,
        intermediate_size=64,
        num_heads=2,
        out_hidden_size=64,
        patch_size=14,
        spatial_merge_size=2,
        temporal_patch_size=2,
        window_size=112,
        fullatt_block_indexes=[1],
    )
    config = Qwen2_5_VLConfig(
        text_config=text,
        vision_config=vision,
        tie_word_embeddings=False,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|endoftext|>"],
    )
    model = Qwen2_5_VLForConditionalGeneration(config).eval()
    language = model.model.language_model
    for layer in language.layers:
        torch.nn.init.zeros_(layer.self_attn.o_proj.weight)
        torch.nn.init.zeros_(layer.mlp.down_proj.weight)
    prompt = tokenizer_.apply_chat_template(
        [{"role": "user", "content": "x"}], tokenize=False, add_generation_prompt=True
    )
    start = tokenizer_(prompt)["input_ids"][-1]
    pieces = [tokenizer_.convert_tokens_to_ids(p) for p in SCRIPT]
    chain = [int(start), *pieces]
    basis, _ = torch.linalg.qr(torch.randn(64, len(chain)))
    embed = language.embed_tokens.weight
    with torch.no_grad():
        for i, token in enumerate(chain):
            embed[token] = basis[:, i] * 3.0
    image_processor = pil.Qwen2VLImageProcessorPil()
    out = TinyCheckpoints(clean=root / "clean", looping=root / "looping")
    for folder, last_to in ((out.clean, ids["<|im_end|>"]), (out.looping, pieces[0])):
        head = torch.zeros_like(model.lm_head.weight)
        for current, nxt in zip(chain, [*pieces, last_to], strict=True):
            head[nxt] += basis[:, chain.index(current)] * 10.0
        with torch.no_grad():
            model.lm_head.weight.copy_(head)
        model.save_pretrained(folder)
        tokenizer_.save_pretrained(folder)
        image_processor.save_pretrained(folder)
    return out
