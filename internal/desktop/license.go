package desktop

import (
	"setup/internal/problem"
)

// LicenseURL is where Docker explains the Docker Subscription Service
// Agreement that Docker Desktop is used under.
const LicenseURL = "https://docs.docker.com/subscription/desktop-license/"

// LicenseQuestion is what a person is asked before Docker Desktop is
// installed.
const LicenseQuestion = "Docker Desktop is used under the Docker Subscription Service Agreement " +
	"(read it at " + LicenseURL + "); larger businesses need a paid subscription. " +
	"Accept it and install Docker Desktop?"

// AcceptLicense decides whether Docker Desktop's license is accepted:
// accepted (--accept-license) goes on; an unattended run without it is a
// usage error (problem.Usage) naming the flag; otherwise the person is
// asked through confirm, and declining is problem.Cancelled.
func AcceptLicense(unattended, accepted bool, confirm func(string) (bool, error)) error {
	if accepted {
		return nil
	}
	if unattended || confirm == nil {
		return &problem.Error{
			Code: problem.Usage,
			What: "installing Docker Desktop needs its license accepted, and no one can be asked: " +
				"pass --accept-license",
			Fix: "read the Docker Subscription Service Agreement (" + LicenseURL + ") and, " +
				"if you accept it, run setup again with --accept-license",
		}
	}
	ok, err := confirm(LicenseQuestion)
	if err != nil {
		return err
	}
	if !ok {
		return problem.New(problem.Cancelled,
			"the Docker Desktop license was declined, so Docker Desktop was not installed",
			"install a container engine yourself, or run setup again and accept the license")
	}
	return nil
}
