"""The ceiling for bench/load.py: a bare Flask endpoint, served by gunicorn exactly as the app is.

No database, no session, no template: what a request costs in gunicorn + Werkzeug + Flask alone.
"""
from flask import Flask

app = Flask(__name__)
PAGE = "<!doctype html><html lang=zh-CN><meta charset=utf-8><title>ok</title><p>ok</p></html>"


@app.get("/")
def bare():
    return PAGE
