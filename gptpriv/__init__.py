"""gptpriv: see what happens to your ChatGPT conversations, and why."""

__version__ = "0.1.0"
