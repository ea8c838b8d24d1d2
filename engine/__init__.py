"""engine: a numpy nano-GPT that records every intermediate of a forward pass."""
from .generate import Run, Step, accuracy, all_inputs, generate
from .model import GPT, GPTConfig, Trace, count_parameters
from .tokens import VOCAB, InputError, parse_input, to_letters
from .weights import DEFAULT_WEIGHTS, WeightsError, load_weights, save_weights, weights_digest, weights_tag


def default_run(text: str = "CBABBC", weights=DEFAULT_WEIGHTS, **kwargs) -> Run:
    """The Run every later stage uses: parse the input, load the shipped weights, generate."""
    return generate(load_weights(weights), parse_input(text), **kwargs)


__all__ = ["GPT", "GPTConfig", "Trace", "Run", "Step", "VOCAB", "InputError", "WeightsError",
           "accuracy", "all_inputs", "count_parameters", "default_run", "generate",
           "load_weights", "parse_input", "save_weights", "weights_digest", "weights_tag", "to_letters", "DEFAULT_WEIGHTS"]
