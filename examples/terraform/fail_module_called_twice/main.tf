# One local module, called twice: the scores table gets PITR, the sessions table does not.
# Results are reported at the module's file under module.NAME. addresses.
module "scores_table" {
  source = "./modules/game_table"
  name   = "cc-game-scores"
  pitr   = true
}

module "sessions_table" {
  source = "./modules/game_table"
  name   = "cc-game-sessions"
  pitr   = false
}
