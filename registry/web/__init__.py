"""The web pages: one blueprint per area, each a thin views.py and its forms.py."""
