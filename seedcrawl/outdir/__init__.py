"""The output folder: its layout, its run lock, atomic writes into it, and the errors about it.

The bottom layer: every package may use it, and it imports none of them.
"""
