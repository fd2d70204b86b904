import os
import sys

# Let tests import the helper module `reference` that sits next to them.
sys.path.insert(0, os.path.dirname(__file__))
