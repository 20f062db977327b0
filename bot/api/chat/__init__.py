"""The OpenAI-compatible chat API's parts: its request and response schemas, its error format, and
an Answer as the Markdown a chat app shows (the routes are in bot/api/routes/chat.py)."""
