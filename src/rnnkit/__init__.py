"""rnnkit: recurrent neural networks on PyTorch.

``rnnkit.Recurrent`` runs every classic recurrent family (Elman tanh/ReLU, IRNN, LSTM, GRU, Clockwork)
with torch.nn.LSTM's call contract; ``rnnkit.Hopfield`` is the associative memory that came before them.
"""

from rnnkit.hopfield import Hopfield
from rnnkit.recurrent import Recurrent, detach_state

__version__ = "0.1.0"

__all__ = ["Hopfield", "Recurrent", "__version__", "detach_state"]
