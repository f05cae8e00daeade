# wizard: tests/7*.bats drive confiture wizard in a real terminal with tmux.
apt-get install -y tmux
