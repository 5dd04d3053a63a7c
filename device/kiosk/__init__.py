"""The middle floor: the running kiosk's parts (conductor, jukebox, controls, watcher, state, ...);
below the daemon and the page, above the parts (camera, inference, player, household) and the core."""
