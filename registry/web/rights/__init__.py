"""The person's rights: their data as a printable copy, corrections, the transfers register."""
