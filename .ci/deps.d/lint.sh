# lint: the SARIF 2.1.0 validator tests/301-lint-cli.bats runs on conf-lint's output
# (Microsoft's SARIF Multitool: the JSON schema plus the spec's rules).
npm install -g @microsoft/sarif-multitool
# its postinstall (chmod) is skipped by npm's install-script policy: do it here
chmod u+x "$(npm root -g)"/@microsoft/sarif-multitool-linux/Sarif.Multitool 2>/dev/null || true
