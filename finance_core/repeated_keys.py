"""A compact record of which keys a long stream holds more than once."""

from __future__ import annotations

from array import array


class RepeatedKeys:
    """Which 32-bit key hashes a file holds more than once, in about 5 bytes a slot.

    An open-addressing table in an ``array``: a Python set of a million keys
    would take some 60 MB, this takes 10. Two different keys that share a hash
    only make both "repeated", which costs an exact count and nothing else.
    """

    def __init__(self) -> None:
        self._slots = array("I", bytes(4 * 1024))
        self._twice = bytearray(1024)
        self._used = 0

    @staticmethod
    def key(value: object) -> int:
        # 0 marks an empty slot, so keys are odd.
        return (hash(value) & 0xFFFFFFFF) | 1

    def add(self, value: object) -> bool:
        """Note ``value``; True when its hash was noted before (a repeat, or a shared hash)."""
        key = self.key(value)
        slots = self._slots
        mask = len(slots) - 1
        at = key & mask
        while True:
            found = slots[at]
            if found == 0:
                slots[at] = key
                self._used += 1
                if self._used * 4 > len(slots) * 3:
                    self._grow()
                return False
            if found == key:
                self._twice[at] = 1
                return True
            at = (at + 1) & mask

    def _grow(self) -> None:
        old, twice = self._slots, self._twice
        size = len(old) * 2
        self._slots = array("I", bytes(4 * size))
        self._twice = bytearray(size)
        mask = size - 1
        for index, key in enumerate(old):
            if key:
                at = key & mask
                while self._slots[at]:
                    at = (at + 1) & mask
                self._slots[at] = key
                self._twice[at] = twice[index]

    def repeated(self) -> frozenset[int]:
        return frozenset(key for key, twice in zip(self._slots, self._twice, strict=True) if twice)
