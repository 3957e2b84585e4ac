"""Data package that ships the kerasgan zoo entries (configs, cards, weights).

Each sub-folder is one entry; `kerasgan.zoo` reads them. Nothing here is code.
"""
