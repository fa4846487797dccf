"""rnnkit: recurrent neural networks on PyTorch.

``rnnkit.Recurrent`` runs every classic recurrent family (Elman tanh/ReLU, IRNN, LSTM, GRU, Clockwork)
with torch.nn.LSTM's call contract; ``rnnkit.Hopfield`` is the associative memory that came before them.
"""

import os

# OpenMP threads that spin while waiting make torch's CPU kernels up to 100x slower as soon as another
# process wants a core (measured: 1x384 LSTM training, 2 threads, 297 vs 26,906 chars/s). Sleep instead,
# unless the user chose otherwise. Only effective when rnnkit is imported before torch starts OpenMP.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from rnnkit.hopfield import Hopfield  # noqa: E402
from rnnkit.recurrent import Recurrent, detach_state  # noqa: E402

__version__ = "0.1.0"

__all__ = ["Hopfield", "Recurrent", "__version__", "detach_state"]
