"""Categorization rules: conditions over a transaction's fields, actions that set fields.

``model`` holds the rule record and its vocabulary, ``conditions`` and
``actions`` validate and compile a rule's parts, ``engine`` runs a compiled
rule set over transactions, ``suggest`` proposes rules from what people chose.
"""
