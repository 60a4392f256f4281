"""Sample completions from a causal LM, optionally under a Lark grammar (Outlines + llguidance).

One `Sampler` per loaded model; one Outlines generator cached per grammar (building one converts
the tokenizer, ~0.4 s), the `MAX_GENERATORS` most recently used kept (a finance grammar is per
request: it lists the request's fact ids). Grammars are checked with llguidance first, because
Outlines silently returns '' for a grammar llguidance rejects. torch.compile is disabled (it stalls the first
masked call for seconds and gains nothing here).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from dslgen.errors import GrammarError

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")

MAX_GENERATORS = 16
MIN_TEMPERATURE = 1e-3  # lower temperatures decode greedily


@dataclass
class Sample:
    """One completion: its text, how many tokens it took, its log-probability under the model."""

    text: str
    tokens: int
    logprob: float
    seconds: float
    truncated: bool = False  # stopped by the token limit, not by the model


def check_grammar(grammar: str) -> None:
    """Raise GrammarError unless llguidance accepts the Lark grammar."""
    import llguidance

    problem = llguidance.LLMatcher.validate_grammar(llguidance.grammar_from("lark", grammar))
    if problem:
        raise GrammarError(f"llguidance rejects the decoding grammar: {problem}")


class TextSampler(Protocol):
    """What the pipeline samples from: the transformers `Sampler` or the llama.cpp runtime
    (`dslgen.decode.llamacpp.LlamaCppSampler`). `runtime` names it; `weights` says what it serves."""

    runtime: str
    weights: str

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
    ) -> list[Sample]: ...


class Sampler:
    """Draws k samples for chat messages, constrained or not, and scores them (transformers:
    the runtime for GPUs, training-time checks and models llama.cpp cannot serve)."""

    runtime = "transformers"

    def __init__(self, model: Any, tokenizer: Any) -> None:
        import outlines

        self.model, self.tokenizer = model, tokenizer
        self.weights = f"{getattr(model.config, '_name_or_path', '') or 'model'} ({model.dtype})"
        self.outlines_model = outlines.from_transformers(model, tokenizer)
        self._generators: dict[str, Any] = {}
        self._newline_ids: frozenset[int] | None = None

    def _generator(self, grammar: str | None) -> Any:
        import outlines
        from outlines.types import CFG

        key = hashlib.sha256((grammar or "").encode()).hexdigest()
        if key in self._generators:
            self._generators[key] = self._generators.pop(key)  # most recently used last
        else:
            if grammar is not None:
                check_grammar(grammar)
            output_type = CFG(grammar) if grammar is not None else None
            self._generators[key] = outlines.Generator(self.outlines_model, output_type)
            while len(self._generators) > MAX_GENERATORS:
                self._generators.pop(next(iter(self._generators)))
        return self._generators[key]

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
        """k completions; greedy when temperature is 0 (then k identical samples collapse to 1).

        `stop_loops` ends a sample that repeats a block of lines (see loopguard); benchmarks that
        compare equal token counts turn it off. `stop_when`, checked after every token, ends
        sampling early (the server's deadline: nobody waits for the rest).
        """
        import torch
        from outlines.inputs import Chat
        from transformers import StoppingCriteriaList

        from dslgen.decode.loopguard import LoopGuard, StopWhen, newline_token_ids

        torch.manual_seed(seed)
        generator = self._generator(grammar)
        # Below ~1e-3 the softmax of logits / temperature overflows to inf/nan and sampling
        # crashes; such a temperature means greedy anyway.
        greedy = temperature < MIN_TEMPERATURE
        kwargs: dict[str, Any] = {"max_new_tokens": max_tokens, "do_sample": not greedy}
        if not greedy:
            kwargs.update(temperature=temperature, top_p=top_p, num_return_sequences=k)
        criteria: list[Any] = []
        if stop_loops:
            if self._newline_ids is None:
                self._newline_ids = newline_token_ids(self.tokenizer)
            criteria.append(LoopGuard(self.tokenizer, self._newline_ids))
        if stop_when is not None:
            criteria.append(StopWhen(stop_when))
        if criteria:
            kwargs["stopping_criteria"] = StoppingCriteriaList(criteria)
        started = time.perf_counter()
        texts = generator(Chat(messages), **kwargs)
        seconds = (time.perf_counter() - started) / (1 if greedy else k)
        texts = [texts] if isinstance(texts, str) else list(texts)
        prompt_ids = self._prompt_ids(messages)
        samples = [self._score(prompt_ids, text, seconds) for text in texts]
        for sample in samples:
            # Outlines returns text, so the count is the text re-tokenised, which can merge a
            # few of the generated tokens: within 4 of the limit counts as stopped by it.
            sample.truncated = sample.tokens >= max_tokens - 4
        return samples

    def _prompt_ids(self, messages: list[dict[str, str]]) -> list[int]:
        ids = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=True
        )
        if isinstance(ids, dict) or hasattr(ids, "input_ids"):
            ids = ids["input_ids"]
        return list(ids)

    def _score(self, prompt_ids: list[int], text: str, seconds: float) -> Sample:
        """Sum of the model's log-probabilities of the completion's tokens (unconstrained)."""
        import torch

        completion = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if not completion:
            return Sample(text, 0, float("-inf"), seconds)
        ids = torch.tensor([prompt_ids + completion], device=self.model.device)
        with torch.no_grad():
            logits = self.model(ids).logits[0, len(prompt_ids) - 1 : -1].float()
        logprobs = torch.log_softmax(logits, dim=-1)
        picked = logprobs.gather(1, torch.tensor(completion, device=logits.device).unsqueeze(1))
        return Sample(text, len(completion), float(picked.sum()), seconds)
