"""The fast CPU runtime: llama.cpp (through llama-cpp-python's C API) under the same Lark grammar.

Why: for a 135M model the per-token overhead of transformers' generate loop dominates (17–20
tokens/s on two cores), while llama.cpp decodes the same weights at ~100 (issue #20,
../shared/toolchain.md). The constraint does not change: llguidance compiles the request's Lark
grammar and gives a token mask per step, applied here to llama.cpp's logits — no second grammar
dialect (GBNF) to keep in step with the catalog.

The k samples of a request are decoded together: the prompt is evaluated once into sequence 0,
its KV cells are shared with sequences 1..k-1, and each step decodes one token of every live
sequence in one `llama_decode` batch (on two cores a step of 4 tokens costs ~3x a step of one:
the batch saves the prompt and the per-call overhead, not the arithmetic). What the
transformers sampler guarantees holds here too (`dslgen.decode.sampler.Sampler`): the same
`Sample` records, the unconstrained log-probability of each completion for ranking, the loop
guard, `stop_when`, the token limit.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dslgen.decode.loopguard import TAIL_TOKENS, looping_tail, repeated_command
from dslgen.decode.sampler import MIN_TEMPERATURE, Sample, check_grammar
from dslgen.decode.token_choice import allowed_tokens, pick_token, token_logprob
from dslgen.errors import DslgenError, ModelNotAvailableError
from dslgen.models.llama_native import default_threads, load_llama_cpp

#: Tokens evaluated per `llama_decode` call while reading a prompt.
PROMPT_CHUNK = 512
MAX_SEQUENCES = 64
#: Rows of the one reusable llama_batch: a prompt chunk, or one token of every live sequence.
BATCH_ROWS = max(PROMPT_CHUNK, MAX_SEQUENCES)
MIN_CONTEXT = 2048  # KV cells of the smallest context


@dataclass
class DecodeStats:
    """Where the last request's time went (bench/decode.py prints these)."""

    prompt_tokens: int = 0
    prompt_seconds: float = 0.0
    first_token_seconds: float = 0.0  # from the call to the first sampled token
    mask_seconds: float = 0.0  # llguidance computing the grammar's token masks (and unpacking)
    steps: int = 0
    tokens: int = 0
    seconds: float = 0.0


@dataclass
class _Sequence:
    """One sample being decoded: its tokens, their log-probability, why it stopped."""

    index: int
    matcher: Any
    tokens: list[int] = field(default_factory=list)
    pieces: list[bytes] = field(default_factory=list)
    logprob: float = 0.0
    done: bool = False
    truncated: bool = False
    batch_row: int = -1  # where its logits are in the last decoded batch


class LlamaCppSampler:
    """Draws k samples for chat messages from a GGUF model, constrained or not, and scores them.

    `tokenizer_json`: the model's HF `tokenizer.json`, from which llguidance builds its token
    table (faster than reading the vocabulary back through ctypes). `chat_template`: the Jinja
    chat template (default: the one in the GGUF). `logit_bias`: added to a token's logit before
    sampling (a model folder's `generation_config.json` single-token `sequence_bias`, which
    transformers applies; scores stay the model's own). One sampler serves one request at a time
    (the server serialises through `lock`).
    """

    runtime = "llama.cpp"

    def __init__(
        self,
        gguf: Path,
        tokenizer_json: Path,
        chat_template: str | None = None,
        threads: int | None = None,
        weights: str | None = None,
        logit_bias: dict[int, float] | None = None,
    ) -> None:
        try:
            llama_cpp = load_llama_cpp()
        except ModuleNotFoundError as exc:
            raise ModelNotAvailableError(
                "the llama.cpp runtime needs llama-cpp-python (`pip install 'dslgen[fast]'`); "
                "or use --runtime transformers"
            ) from exc
        self._llama = llama_cpp
        self.gguf = Path(gguf)
        self.weights = weights or str(self.gguf)
        self.threads = threads or default_threads()
        params = llama_cpp.llama_model_default_params()
        model = llama_cpp.llama_model_load_from_file(str(self.gguf).encode(), params)
        if not model:
            raise ModelNotAvailableError(f"llama.cpp could not load {self.gguf}")
        self._model = model
        self._vocab = llama_cpp.llama_model_get_vocab(model)
        self.vocab_size = int(llama_cpp.llama_vocab_n_tokens(self._vocab))
        self.eos = int(llama_cpp.llama_vocab_eos(self._vocab))
        template = chat_template or self._gguf_chat_template()
        self._template = _compile_chat_template(template)
        self._special = {
            "bos_token": self._piece(int(llama_cpp.llama_vocab_bos(self._vocab))).decode(),
            "eos_token": self._piece(self.eos).decode(),
        }
        self._tokenizer_json = Path(tokenizer_json)
        self.logit_bias = dict(logit_bias or {})
        self._lltokenizer: Any = None
        self._newline_ids: frozenset[int] | None = None
        self._ctx: Any = None
        self._ctx_size = 0
        self._batch: Any = None
        self.lock = threading.Lock()
        self.last_stats = DecodeStats()

    # -- model facts ------------------------------------------------------------------------

    def _gguf_chat_template(self) -> str:
        raw = self._llama.llama_model_chat_template(self._model, None)
        if not raw:
            raise ModelNotAvailableError(f"{self.gguf} carries no chat template")
        return str(raw.decode("utf-8"))

    def _piece(self, token: int) -> bytes:
        buffer = ctypes.create_string_buffer(256)
        n = self._llama.llama_token_to_piece(self._vocab, token, buffer, 256, 0, True)
        return bytes(buffer.raw[: max(n, 0)])

    @property
    def lltokenizer(self) -> Any:
        """llguidance's view of the vocabulary (built once, ~0.2 s)."""
        if self._lltokenizer is None:
            import llguidance

            self._lltokenizer = llguidance.LLTokenizer(
                str(self._tokenizer_json), n_vocab=self.vocab_size, eos_token=self.eos
            )
        return self._lltokenizer

    @property
    def newline_ids(self) -> frozenset[int]:
        """Tokens whose text holds a line break: only after one can a loop be complete."""
        if self._newline_ids is None:
            self._newline_ids = frozenset(
                t for t in range(self.vocab_size) if b"\n" in self._piece(t)
            )
        return self._newline_ids

    def tokenize(self, text: str, special: bool = True) -> list[int]:
        """Token ids of `text` (special tokens such as <|im_start|> parsed), no BOS added."""
        data = text.encode("utf-8")
        room = len(data) + 16
        buffer = (self._llama.llama_token * room)()
        n = self._llama.llama_tokenize(self._vocab, data, len(data), buffer, room, False, special)
        if n < 0:
            raise DslgenError(f"llama.cpp could not tokenize a prompt of {len(data)} bytes")
        return list(buffer[:n])

    def prompt_ids(self, messages: list[dict[str, str]]) -> list[int]:
        """The chat template applied as transformers applies it, then tokenised."""
        text = self._template.render(messages=messages, add_generation_prompt=True, **self._special)
        return self.tokenize(text)

    # -- context and batch -------------------------------------------------------------------

    def _context(self, needed: int) -> None:
        """Make sure the context holds at least `needed` KV cells (the shared prompt plus every
        live sequence's tokens). Contexts are kept tight — a 16k context makes every step ~40 %
        slower than a 4k one for the same tokens — and grown (`_grow`) when samples run long."""
        llama_cpp = self._llama
        if self._ctx is not None and needed <= self._ctx_size:
            return
        self.close_context()
        size = MIN_CONTEXT
        while size < needed:
            size *= 2
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = size
        params.n_batch = params.n_ubatch = BATCH_ROWS
        params.n_seq_max = MAX_SEQUENCES
        params.kv_unified = True  # the prompt's cells are shared by every sequence
        params.n_threads = self.threads
        params.n_threads_batch = self.threads
        self._ctx = llama_cpp.llama_init_from_model(self._model, params)
        if not self._ctx:
            raise DslgenError(f"llama.cpp could not allocate a context of {size} tokens")
        self._ctx_size = size

    def _memory(self) -> Any:
        return self._llama.llama_get_memory(self._ctx)

    def _evaluate_prompt(self, prompt: list[int], sequences: int) -> Any:
        """Clear the cache, read the prompt into sequence 0 and share its cells with sequences
        1..n-1; returns the logits after the prompt's last token."""
        llama_cpp = self._llama
        llama_cpp.llama_memory_clear(self._memory(), True)
        for start in range(0, len(prompt), PROMPT_CHUNK):
            chunk = prompt[start : start + PROMPT_CHUNK]
            last = start + len(chunk) == len(prompt)
            self._decode(
                [
                    (token, start + i, 0, last and i == len(chunk) - 1)
                    for i, token in enumerate(chunk)
                ]
            )
        logits = self._logits(-1)
        for sequence in range(1, sequences):
            llama_cpp.llama_memory_seq_cp(self._memory(), 0, sequence, -1, -1)
        return logits

    def _grow(self, prompt: list[int], sequences: list[_Sequence], needed: int) -> None:
        """A larger context, with the prompt and every live sequence's tokens but its last (which
        the coming step decodes) read back in."""
        self._context(needed * 2)
        self._evaluate_prompt(prompt, len(sequences))
        entries = [
            (token, len(prompt) + i, seq.index, False)
            for seq in sequences
            if not seq.done
            for i, token in enumerate(seq.tokens[:-1])
        ]
        for start in range(0, len(entries), PROMPT_CHUNK):
            self._decode(entries[start : start + PROMPT_CHUNK])

    def _decode(self, entries: Sequence[tuple[int, int, int, bool]]) -> None:
        """Decode (token, position, sequence, wants_logits) entries in one batch."""
        llama_cpp = self._llama
        if self._batch is None:
            self._batch = llama_cpp.llama_batch_init(BATCH_ROWS, 0, MAX_SEQUENCES)
        batch = self._batch
        for row, (token, position, sequence, logits) in enumerate(entries):
            batch.token[row] = token
            batch.pos[row] = position
            batch.n_seq_id[row] = 1
            batch.seq_id[row][0] = sequence
            batch.logits[row] = logits
        batch.n_tokens = len(entries)
        code = llama_cpp.llama_decode(self._ctx, batch)
        if code != 0:
            raise DslgenError(f"llama.cpp decode failed (code {code})")

    def _logits(self, row: int) -> Any:
        import numpy as np

        pointer = self._llama.llama_get_logits_ith(self._ctx, row)
        return np.ctypeslib.as_array(pointer, shape=(self.vocab_size,)).copy()

    # -- sampling ----------------------------------------------------------------------------

    def sample(
        self,
        messages: list[dict[str, str]],
        *,
        k: int = 1,
        grammar: str | None = None,
        max_tokens: int = 512,
        temperature: float = 0.3,
        top_p: float = 1.0,
        seed: int = 0,
        stop_loops: bool = True,
        stop_when: Callable[[], bool] | None = None,
    ) -> list[Sample]:
        """k completions; greedy when temperature is 0 (then one sample: they would be identical).
        Same contract as `Sampler.sample`."""
        with self.lock:
            return self._sample(
                messages, k, grammar, max_tokens, temperature, top_p, seed, stop_loops, stop_when
            )

    def _sample(
        self,
        messages: list[dict[str, str]],
        k: int,
        grammar: str | None,
        max_tokens: int,
        temperature: float,
        top_p: float,
        seed: int,
        stop_loops: bool,
        stop_when: Callable[[], bool] | None,
    ) -> list[Sample]:
        import numpy as np

        greedy = temperature < MIN_TEMPERATURE
        count = 1 if greedy else max(1, k)
        started = time.perf_counter()
        if count > MAX_SEQUENCES:
            raise DslgenError(f"at most {MAX_SEQUENCES} samples per request on llama.cpp")
        prompt = self.prompt_ids(messages)
        stats = self.last_stats = DecodeStats(prompt_tokens=len(prompt))
        self._context(len(prompt) + count * (min(max_tokens, 128) + 1))
        first_logits = self._evaluate_prompt(prompt, count)
        stats.prompt_seconds = time.perf_counter() - started
        matchers = self._matchers(grammar, count)
        sequences = [_Sequence(i, matchers[i]) for i in range(count)]
        rng = np.random.default_rng(seed)
        mask = np.zeros((1, (self.vocab_size + 31) // 32), dtype=np.int32)
        step = 0
        while True:
            live = [s for s in sequences if not s.done]
            if not live:
                break
            for seq in live:
                logits = first_logits if step == 0 else self._logits(seq.batch_row)
                token = self._choose(seq, logits, mask, greedy, temperature, top_p, rng)
                self._advance(seq, token, max_tokens, stop_loops)
            if step == 0:
                stats.first_token_seconds = time.perf_counter() - started
            if stop_when is not None and stop_when():
                for seq in sequences:
                    seq.done = True
            for seq in live:
                if seq.done:  # finished this step: free its cells for the others
                    self._llama.llama_memory_seq_rm(self._memory(), seq.index, len(prompt), -1)
            live = [s for s in sequences if not s.done]
            if not live:
                break
            needed = len(prompt) + sum(len(s.tokens) for s in live) + 1
            if needed > self._ctx_size:
                self._grow(prompt, sequences, needed)
            for row, seq in enumerate(live):
                seq.batch_row = row
            self._decode(
                [(s.tokens[-1], len(prompt) + len(s.tokens) - 1, s.index, True) for s in live]
            )
            step += 1
        stats.seconds = time.perf_counter() - started
        stats.steps, stats.tokens = step + 1, sum(len(s.tokens) for s in sequences)
        seconds = stats.seconds / count
        return [
            Sample(
                b"".join(s.pieces).decode("utf-8", errors="replace"),
                len(s.tokens),
                s.logprob if s.tokens else float("-inf"),
                seconds,
                s.truncated,
            )
            for s in sequences
        ]

    def _matchers(self, grammar: str | None, count: int) -> list[Any]:
        if grammar is None:
            return [None] * count
        import llguidance

        check_grammar(grammar)
        compiled = llguidance.grammar_from("lark", grammar)
        matchers = [llguidance.LLMatcher(self.lltokenizer, compiled) for _ in range(count)]
        for matcher in matchers:
            if matcher.is_error():
                raise DslgenError(f"llguidance rejects the decoding grammar: {matcher.get_error()}")
        return matchers

    def _choose(
        self,
        seq: _Sequence,
        logits: Any,
        mask: Any,
        greedy: bool,
        temperature: float,
        top_p: float,
        rng: Any,
    ) -> int:
        """The next token (`dslgen.decode.token_choice`), timing the grammar mask. Adds the
        token's unconstrained log-probability to the sequence's (EOS excepted: the transformers
        sampler scores the text, which has none)."""
        allowed = None
        if seq.matcher is not None:
            masking = time.perf_counter()
            allowed = allowed_tokens(seq.matcher, mask, self.vocab_size)
            self.last_stats.mask_seconds += time.perf_counter() - masking
        token = pick_token(logits, allowed, self.logit_bias, greedy, temperature, top_p, rng)
        if token != self.eos:
            seq.logprob += token_logprob(logits, token)
        return token

    def _advance(self, seq: _Sequence, token: int, max_tokens: int, stop_loops: bool) -> None:
        """Append `token` to `seq` and decide whether it is finished."""
        if seq.matcher is not None:
            seq.matcher.consume_token(token)
        if token == self.eos or self._llama.llama_vocab_is_eog(self._vocab, token):
            seq.done = True
            return
        seq.tokens.append(token)
        seq.pieces.append(self._piece(token))
        if seq.matcher is not None and (seq.matcher.is_stopped() or seq.matcher.is_error()):
            seq.done = True
        elif len(seq.tokens) >= max_tokens:
            seq.done, seq.truncated = True, True
        elif stop_loops and token in self.newline_ids:
            tail = b"".join(seq.pieces[-TAIL_TOKENS:]).decode("utf-8", errors="replace")
            seq.done = looping_tail(tail) or repeated_command(tail)

    def close_context(self) -> None:
        """Free the KV cache (the next request allocates a fresh one); the model stays loaded."""
        if self._ctx is not None:
            self._llama.llama_free(self._ctx)
            self._ctx, self._ctx_size = None, 0

    def close(self) -> None:
        llama_cpp = self._llama
        if self._batch is not None:
            llama_cpp.llama_batch_free(self._batch)
            self._batch = None
        self.close_context()
        if self._model is not None:
            llama_cpp.llama_model_free(self._model)
            self._model = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # interpreter shutdown: ctypes may be gone
            self.close()


def _compile_chat_template(template: str) -> Any:
    """The Jinja environment transformers renders chat templates in (sandboxed, trimmed blocks,
    loop controls, `raise_exception`), so prompts are token for token the same."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise jinja2.TemplateError(message)

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"]
    )
    env.globals["raise_exception"] = raise_exception
    return env.from_string(template)
