# anon: the Python example strategy (docs/examples/strategies/hmac_token.py) runs in the tests.
command -v python3 >/dev/null 2>&1 || apt-get install -y python3
